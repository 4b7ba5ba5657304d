CREATE TABLE `resync_rejects` (
	`run_id` varchar(64) NOT NULL,
	`destination` varchar(64) NOT NULL,
	`record_key` varchar(255) NOT NULL,
	`source` varchar(64) NOT NULL,
	`resource` varchar(64) NOT NULL,
	`field` varchar(128),
	`reason` text NOT NULL,
	`record` json,
	`created_at` datetime(3) NOT NULL,
	CONSTRAINT `resync_rejects_run_id_destination_record_key_pk` PRIMARY KEY(`run_id`,`destination`,`record_key`)
);
--> statement-breakpoint
CREATE TABLE `resync_runs` (
	`run_id` varchar(64) NOT NULL,
	`workflow_id` varchar(255) NOT NULL,
	`source` varchar(64) NOT NULL,
	`resource` varchar(64) NOT NULL,
	`process` varchar(16) NOT NULL,
	`outcome` varchar(16) NOT NULL,
	`error` text,
	`started_at` datetime(3) NOT NULL,
	`finished_at` datetime(3),
	`pages` int NOT NULL DEFAULT 0,
	`downloaded` bigint NOT NULL DEFAULT 0,
	`upserted` bigint NOT NULL DEFAULT 0,
	`deleted` bigint NOT NULL DEFAULT 0,
	`rejected` bigint NOT NULL DEFAULT 0,
	`expected_total` bigint,
	`high_water_mark` varchar(40),
	CONSTRAINT `resync_runs_run_id` PRIMARY KEY(`run_id`)
);
--> statement-breakpoint
CREATE INDEX `resync_rejects_source` ON `resync_rejects` (`source`,`resource`);--> statement-breakpoint
CREATE INDEX `resync_runs_source_started` ON `resync_runs` (`source`,`started_at`);--> statement-breakpoint
CREATE INDEX `resync_runs_resource` ON `resync_runs` (`source`,`resource`,`process`,`started_at`);