CREATE TABLE "action_runs" (
	"id" uuid PRIMARY KEY NOT NULL,
	"owner_id" uuid NOT NULL,
	"action" text NOT NULL,
	"input" jsonb NOT NULL,
	"status" text DEFAULT 'queued' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"progress" double precision,
	"result" jsonb,
	"error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "client_mutations" (
	"user_id" uuid NOT NULL,
	"client_id" text NOT NULL,
	"last_mutation_id" bigint NOT NULL,
	"last_error" jsonb,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "client_mutations_user_id_client_id_pk" PRIMARY KEY("user_id","client_id")
);
--> statement-breakpoint
CREATE TABLE "sync_changes" (
	"version" bigint NOT NULL,
	"seq" integer NOT NULL,
	"table_name" text NOT NULL,
	"row_id" uuid NOT NULL,
	"op" text NOT NULL,
	"row" jsonb,
	"owner_id" uuid NOT NULL,
	CONSTRAINT "sync_changes_version_seq_pk" PRIMARY KEY("version","seq")
);
--> statement-breakpoint
CREATE TABLE "sync_commits" (
	"version" bigint PRIMARY KEY NOT NULL,
	"user_id" uuid NOT NULL,
	"mutator" text NOT NULL,
	"client_id" text,
	"mutation_id" bigint,
	"error" jsonb,
	"committed_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sync_state" (
	"id" integer PRIMARY KEY NOT NULL,
	"version" bigint NOT NULL
);
--> statement-breakpoint
ALTER TABLE "action_runs" ADD CONSTRAINT "action_runs_owner_id_users_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "action_runs_status_idx" ON "action_runs" USING btree ("status","created_at");--> statement-breakpoint
CREATE INDEX "sync_changes_owner_version_idx" ON "sync_changes" USING btree ("owner_id","version");--> statement-breakpoint
CREATE INDEX "sync_commits_user_version_idx" ON "sync_commits" USING btree ("user_id","version");