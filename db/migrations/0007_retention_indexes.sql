CREATE INDEX "action_runs_owner_created_idx" ON "action_runs" USING btree ("owner_id","created_at");--> statement-breakpoint
CREATE INDEX "action_runs_status_updated_idx" ON "action_runs" USING btree ("status","updated_at");--> statement-breakpoint
CREATE INDEX "client_mutations_updated_idx" ON "client_mutations" USING btree ("updated_at");