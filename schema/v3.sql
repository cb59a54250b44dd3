-- pyde1-store: the current database schema (pyDE1 schema version 3), for a new, empty database.
-- Tables, columns, declared types, constraints, indexes and seed rows are those of pyDE1 2.0.0's
-- v3 schema, so pyDE1 and every tool written for it read our files. Unlike pyDE1's file, this one
-- sets user_version to 3 (pyDE1's v3 file says 2; see README, "Where we differ from pyDE1").
-- Foreign keys are declared but, as in pyDE1, not enforced.

CREATE TABLE profile (
    id              TEXT NOT NULL PRIMARY KEY,
    source          BLOB NOT NULL,
    source_format   TEXT NOT NULL,
    fingerprint     TEXT NOT NULL,
    date_added      REAL,
    title           TEXT,
    author          TEXT,
    notes           TEXT,
    beverage_type   TEXT
);
CREATE INDEX idx_profile_fingerprint ON profile(fingerprint);
CREATE INDEX idx_profile_date_added ON profile(date_added);
CREATE INDEX idx_profile_title ON profile(title);
CREATE INDEX idx_profile_beverage_type ON profile(beverage_type);

CREATE TABLE persist_hkv (
    header  TEXT,
    key     TEXT NOT NULL,
    value   TEXT
);
CREATE UNIQUE INDEX idx_persist_hkv_hk ON persist_hkv(header, key);

CREATE TABLE sequence (
    id              TEXT NOT NULL PRIMARY KEY,
    active_state    TEXT,
    start_sequence  REAL,
    start_flow      REAL,
    end_flow        REAL,
    end_sequence    REAL,
    profile_id      TEXT NOT NULL REFERENCES profile(id),
    profile_assumed INTEGER,
    resource_version                            TEXT,
    resource_de1_id                             TEXT,
    resource_de1_read_once                      TEXT,
    resource_de1_calibration_flow_multiplier    TEXT,
    resource_de1_control_mode                   TEXT,
    resource_de1_control_tank_water_threshold   TEXT,
    resource_de1_setting_before_flow            TEXT,
    resource_de1_setting_steam                  TEXT,
    resource_de1_setting_target_group_temp      TEXT,
    resource_scale_id                           TEXT
);
CREATE INDEX idx_sequence_active_state ON sequence (active_state);
CREATE INDEX idx_sequence_start_sequence ON sequence (start_sequence);
CREATE INDEX idx_sequence_start_flow ON sequence (start_flow);
CREATE INDEX idx_sequence_end_flow ON sequence (end_flow);
CREATE INDEX idx_sequence_end_sequence ON sequence (end_sequence);
CREATE INDEX idx_sequence_profile_id ON sequence (profile_id);

CREATE TABLE shot_sample_with_volume_update (
    sequence_id         TEXT NOT NULL REFERENCES sequence(id),
    version             TEXT,
    sender              TEXT,
    arrival_time        REAL,
    create_time         REAL,
    event_time          REAL,
    de1_time            REAL,
    sample_time         INTEGER,
    group_pressure      REAL,
    group_flow          REAL,
    mix_temp            REAL,
    head_temp           REAL,
    set_mix_temp        REAL,
    set_head_temp       REAL,
    set_group_pressure  REAL,
    set_group_flow      REAL,
    frame_number        INTEGER,
    steam_temp          REAL,
    volume_preinfuse    REAL,
    volume_pour         REAL,
    volume_total        REAL,
    volume_by_frames    TEXT
);
CREATE INDEX idx_shot_sample_with_volume_update_sequence_id
    ON shot_sample_with_volume_update(sequence_id);

CREATE TABLE weight_and_flow_update (
    sequence_id         TEXT NOT NULL REFERENCES sequence (id),
    version             TEXT,
    sender              TEXT,
    arrival_time        REAL,
    create_time         REAL,
    event_time          REAL,
    scale_time          REAL,
    current_weight      REAL,
    current_weight_time REAL,
    average_flow        REAL,
    average_flow_time   REAL,
    median_weight       REAL,
    median_weight_time  REAL,
    median_flow         REAL,
    median_flow_time    REAL
);
CREATE INDEX idx_weight_and_flow_update_sequence_id ON weight_and_flow_update(sequence_id);

CREATE TABLE state_update (
    sequence_id         TEXT NOT NULL REFERENCES sequence (id),
    version             TEXT,
    sender              TEXT,
    arrival_time        REAL,
    create_time         REAL,
    event_time          REAL,
    state               TEXT,
    substate            TEXT,
    previous_state      TEXT,
    previous_substate   TEXT,
    is_error_state      TEXT
);
CREATE INDEX idx_state_update_sequence_id ON state_update(sequence_id);

CREATE TABLE sequencer_gate_notification (
    sequence_id         TEXT NOT NULL REFERENCES sequence (id),
    version             TEXT,
    sender              TEXT,
    arrival_time        REAL,
    create_time         REAL,
    event_time          REAL,
    name                TEXT,
    action              TEXT,
    active_state        TEXT
);
CREATE INDEX idx_sequencer_gate_notification_sequence_id ON sequencer_gate_notification(sequence_id);

CREATE TABLE stop_at_notification (
    sequence_id         TEXT NOT NULL REFERENCES sequence (id),
    version             TEXT,
    sender              TEXT,
    arrival_time        REAL,
    create_time         REAL,
    event_time          REAL,
    stop_at             TEXT,
    action              TEXT,
    active_state        TEXT,
    target_value        REAL,
    current_value       REAL
);
CREATE INDEX idx_stop_at_notification_sequence_id ON stop_at_notification(sequence_id);

CREATE TABLE water_level_update (
    sequence_id         TEXT NOT NULL REFERENCES sequence (id),
    version             TEXT,
    sender              TEXT,
    arrival_time        REAL,
    create_time         REAL,
    event_time          REAL,
    level               REAL,
    start_fill_level    REAL
);
CREATE INDEX idx_water_level_update_sequence_id ON water_level_update(sequence_id);

CREATE TABLE scale_tare_seen (
    sequence_id         TEXT NOT NULL REFERENCES sequence (id),
    version             TEXT,
    sender              TEXT,
    arrival_time        REAL,
    create_time         REAL,
    event_time          REAL
);
CREATE INDEX idx_scale_tare_seen_sequence_id ON scale_tare_seen(sequence_id);

CREATE TABLE auto_tare_notification (
    sequence_id         TEXT NOT NULL REFERENCES sequence (id),
    version             TEXT,
    sender              TEXT,
    arrival_time        REAL,
    create_time         REAL,
    event_time          REAL,
    action              TEXT
);
CREATE INDEX idx_auto_tare_notification_sequence_id ON auto_tare_notification(sequence_id);

CREATE TABLE scale_button_press (
    sequence_id         TEXT NOT NULL REFERENCES sequence (id),
    version             TEXT,
    sender              TEXT,
    arrival_time        REAL,
    create_time         REAL,
    event_time          REAL,
    button              INTEGER
);
CREATE INDEX idx_scale_button_press_sequence_id ON scale_button_press(sequence_id);

CREATE TABLE connectivity_change (
    sequence_id         TEXT NOT NULL REFERENCES sequence (id),
    version             TEXT,
    sender              TEXT,
    arrival_time        REAL,
    create_time         REAL,
    event_time          REAL,
    state               TEXT,
    id                  TEXT,
    name                TEXT
);
CREATE INDEX idx_connectivity_change_sequence_id ON connectivity_change (sequence_id);

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

INSERT INTO profile (id, source, source_format, fingerprint, date_added)
    VALUES ('dummy', 'dummy', 'dummy', 'dummy', 0.0);
INSERT INTO persist_hkv (header, key, value) VALUES ('last_profile', 'id', 'dummy');
INSERT INTO persist_hkv (header, key, value) VALUES ('last_profile', 'datetime', '0');
INSERT INTO sequence (id, profile_id) VALUES ('dummy', 'dummy');

PRAGMA user_version = 3;
