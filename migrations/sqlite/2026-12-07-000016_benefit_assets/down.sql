DROP TABLE asset_reminders;
DROP TABLE asset_submissions;
DROP TABLE asset_requests;
