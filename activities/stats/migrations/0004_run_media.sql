ALTER TABLE `resync_runs` ADD `media_files` bigint;--> statement-breakpoint
ALTER TABLE `resync_runs` ADD `media_bytes` bigint;--> statement-breakpoint
ALTER TABLE `resync_runs` ADD `media_failed` bigint;