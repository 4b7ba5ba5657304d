CREATE TABLE `resync_run_differences` (
	`run_id` varchar(64) NOT NULL,
	`destination` varchar(64) NOT NULL,
	`process` varchar(16) NOT NULL,
	`rows_compared` bigint NOT NULL DEFAULT 0,
	`extra` bigint NOT NULL DEFAULT 0,
	`missing` bigint NOT NULL DEFAULT 0,
	`stale` bigint NOT NULL DEFAULT 0,
	CONSTRAINT `resync_run_differences_run_id_destination_pk` PRIMARY KEY(`run_id`,`destination`)
);
--> statement-breakpoint
CREATE TABLE `resync_staging_diffs` (
	`run_id` varchar(64) NOT NULL,
	`destination` varchar(64) NOT NULL,
	`record_key` varchar(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
	`kind` varchar(8) NOT NULL,
	`existed` boolean NOT NULL DEFAULT false,
	CONSTRAINT `resync_staging_diffs_run_id_destination_record_key_pk` PRIMARY KEY(`run_id`,`destination`,`record_key`)
);
--> statement-breakpoint
CREATE TABLE `resync_staging_keys` (
	`run_id` varchar(64) NOT NULL,
	`side` varchar(64) NOT NULL,
	`record_key` varchar(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
	`cursor_ts` varchar(40),
	`pass` tinyint NOT NULL DEFAULT 0,
	CONSTRAINT `resync_staging_keys_run_id_side_record_key_pk` PRIMARY KEY(`run_id`,`side`,`record_key`)
);
--> statement-breakpoint
CREATE TABLE `resync_staging_runs` (
	`run_id` varchar(64) NOT NULL,
	`workflow_id` varchar(255) NOT NULL,
	`source` varchar(64) NOT NULL,
	`resource` varchar(64) NOT NULL,
	`process` varchar(16) NOT NULL,
	`started_at` datetime(3) NOT NULL,
	`touched_at` datetime(3) NOT NULL,
	CONSTRAINT `resync_staging_runs_run_id` PRIMARY KEY(`run_id`)
);
--> statement-breakpoint
CREATE INDEX `resync_staging_runs_touched` ON `resync_staging_runs` (`touched_at`);