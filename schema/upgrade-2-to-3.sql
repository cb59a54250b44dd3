-- pyde1-store: upgrade a pyDE1 schema-2 database to schema 3.
-- pyDE1 added tables for device availability, scale changes and BlueDOT thermometer updates.
CREATE TABLE device_availability (
    sequence_id         TEXT NOT NULL REFERENCES sequence (id),
    version             TEXT,
    sender              TEXT,
    arrival_time        REAL,
    create_time         REAL,
    event_time          REAL,
    state               TEXT,
    id                  TEXT,
    name                TEXT,
    role                TEXT
);
CREATE INDEX idx_device_availability_sequence_id ON device_availability (sequence_id);

CREATE TABLE scale_change (
    sequence_id         TEXT,
    version             TEXT,
    sender              TEXT,
    arrival_time        REAL,
    create_time         REAL,
    event_time          REAL,
    state               TEXT,
    id                  TEXT,
    name                TEXT
);
CREATE INDEX idx_scale_change_sequence_id ON scale_change (sequence_id);

CREATE TABLE bluedot_update (
    sequence_id         TEXT,
    version             TEXT,
    sender              TEXT,
    arrival_time        REAL,
    create_time         REAL,
    event_time          REAL,
    temperature         REAL,
    high_alarm          REAL,
    units               TEXT,
    alarm_byte          INT,
    name                TEXT
);
CREATE INDEX idx_bluedot_update_sequence_id ON bluedot_update (sequence_id);

PRAGMA user_version = 3;
