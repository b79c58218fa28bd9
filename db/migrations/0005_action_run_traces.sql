CREATE TABLE "action_run_traces" (
	"run_id" uuid PRIMARY KEY NOT NULL,
	"trace_parent" text NOT NULL
);
--> statement-breakpoint
ALTER TABLE "action_run_traces" ADD CONSTRAINT "action_run_traces_run_id_action_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."action_runs"("id") ON DELETE cascade ON UPDATE no action;