DROP TABLE audit_log;
DROP TABLE outbox;
DROP TABLE login_failures;
DROP TABLE auth_tokens;
DROP TABLE sessions;
DROP TABLE user_roles;
DROP TABLE users;
DROP TABLE app_settings;
