CREATE TABLE "copilot_stream_chunks" (
	"stream_id" text NOT NULL,
	"seq" integer NOT NULL,
	"chunk" jsonb NOT NULL,
	CONSTRAINT "copilot_stream_chunks_stream_id_seq_pk" PRIMARY KEY("stream_id","seq")
);
--> statement-breakpoint
CREATE TABLE "copilot_streams" (
	"id" text PRIMARY KEY NOT NULL,
	"user_id" uuid NOT NULL,
	"thread_id" text NOT NULL,
	"status" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "copilot_stream_chunks" ADD CONSTRAINT "copilot_stream_chunks_stream_id_copilot_streams_id_fk" FOREIGN KEY ("stream_id") REFERENCES "public"."copilot_streams"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "copilot_streams" ADD CONSTRAINT "copilot_streams_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "copilot_streams_thread" ON "copilot_streams" USING btree ("user_id","thread_id","created_at");