-- Each user's one saved conversation becomes their first thread, so nothing a user had is lost.
INSERT INTO "copilot_threads" ("user_id", "id", "title", "messages", "created_at", "updated_at")
SELECT "user_id", 'earlier', 'Earlier conversation', "messages", "updated_at", "updated_at"
FROM "copilot_conversations"
WHERE jsonb_array_length("messages") > 0;
--> statement-breakpoint
DROP TABLE "copilot_conversations" CASCADE;
