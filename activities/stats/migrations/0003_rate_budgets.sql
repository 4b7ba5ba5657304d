CREATE TABLE `resync_rate_events` (
	`id` bigint AUTO_INCREMENT NOT NULL,
	`source` varchar(64) NOT NULL,
	`kind` tinyint NOT NULL,
	`amount` bigint NOT NULL,
	`at` datetime(3) NOT NULL,
	CONSTRAINT `resync_rate_events_id` PRIMARY KEY(`id`)
);
--> statement-breakpoint
CREATE TABLE `resync_rate_state` (
	`source` varchar(64) NOT NULL,
	`cool_until` datetime(3),
	CONSTRAINT `resync_rate_state_source` PRIMARY KEY(`source`)
);
--> statement-breakpoint
CREATE INDEX `resync_rate_events_window` ON `resync_rate_events` (`source`,`kind`,`at`);