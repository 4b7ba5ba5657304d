// Temporal Schedules from the config: plan, apply, list and an operator's controls.
export { plannedSchedules, scheduleOptions, markerOf, type ManagedMarker, type PlannedSchedule } from './plan';
export { applySchedules, type ApplyReport, type ApplyAction } from './apply';
export { listSchedules, type ScheduleRow, type LastRun } from './list';
export { pauseSchedules, resumeSchedules, triggerSchedule, ScheduleMissing, type ControlReport, type TriggerResult } from './control';
