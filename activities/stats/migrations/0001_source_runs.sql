CREATE TABLE `resync_run_destinations` (
	`run_id` varchar(64) NOT NULL,
	`destination` varchar(64) NOT NULL,
	`upserted` bigint NOT NULL DEFAULT 0,
	`deleted` bigint NOT NULL DEFAULT 0,
	`rejected` bigint NOT NULL DEFAULT 0,
	`rows_after` bigint,
	`high_water_mark` varchar(40),
	CONSTRAINT `resync_run_destinations_run_id_destination_pk` PRIMARY KEY(`run_id`,`destination`)
);
--> statement-breakpoint
CREATE TABLE `resync_source_runs` (
	`run_id` varchar(64) NOT NULL,
	`workflow_id` varchar(255) NOT NULL,
	`source` varchar(64) NOT NULL,
	`process` varchar(16) NOT NULL,
	`outcome` varchar(16) NOT NULL,
	`started_at` datetime(3) NOT NULL,
	`finished_at` datetime(3),
	`outcomes` json NOT NULL,
	CONSTRAINT `resync_source_runs_run_id` PRIMARY KEY(`run_id`)
);
--> statement-breakpoint
ALTER TABLE `resync_runs` ADD `parent_run_id` varchar(64);--> statement-breakpoint
CREATE INDEX `resync_source_runs_source` ON `resync_source_runs` (`source`,`process`,`started_at`);--> statement-breakpoint
CREATE INDEX `resync_runs_parent` ON `resync_runs` (`parent_run_id`);