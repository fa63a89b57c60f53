-- The projection of a town's log. Every row carries the stream sequence (seq)
-- of the message it came from: the log is the truth, these tables are a view of it.
-- Tables hold several towns side by side (town column); one projector per town stream.

-- Where each projector is in its stream: written in the same transaction as the
-- rows, so the position and the rows can never disagree (exactly once).
CREATE TABLE projector_position (
	stream     text PRIMARY KEY,
	seq        bigint NOT NULL DEFAULT 0,
	updated_at timestamptz NOT NULL DEFAULT now()
);

-- The raw log: every message, valid or not. data is NULL and raw holds the
-- bytes when the message is not a CloudEvents JSON object PostgreSQL can store.
CREATE TABLE events (
	town     text NOT NULL,
	seq      bigint NOT NULL,
	subject  text NOT NULL,
	type     text,
	event_id text,
	source   text,
	time     timestamptz,
	drill    boolean NOT NULL DEFAULT false,
	data     jsonb,
	raw      bytea,
	PRIMARY KEY (town, seq)
);
-- Senders' times are nearly in log order, which is what BRIN needs and costs almost nothing.
CREATE INDEX events_time_brin ON events USING brin (time);
CREATE INDEX events_type ON events (town, type);

CREATE TABLE incidents (
	town        text NOT NULL,
	incident    text NOT NULL,
	seq         bigint NOT NULL,
	event_id    text NOT NULL,
	kind        text NOT NULL,
	lat         double precision NOT NULL,
	lon         double precision NOT NULL,
	village     text NOT NULL DEFAULT '',
	grid        text NOT NULL DEFAULT '',
	people      integer NOT NULL DEFAULT 0,
	severity    integer NOT NULL DEFAULT 0,
	note        text NOT NULL DEFAULT '',
	reporter    text NOT NULL DEFAULT '',
	drill       boolean NOT NULL DEFAULT false,
	reported_at timestamptz NOT NULL,
	resolved_at timestamptz,
	resolved_by text,
	PRIMARY KEY (town, incident)
);
CREATE INDEX incidents_reported ON incidents (town, reported_at);

CREATE TABLE assignments (
	town       text NOT NULL,
	assignment text NOT NULL,
	seq        bigint NOT NULL,
	incident   text NOT NULL,
	responder  text NOT NULL,
	lat        double precision,
	lon        double precision,
	eta_s      double precision,
	priority   integer,
	capability text,
	reason     text,
	created_at timestamptz NOT NULL,
	PRIMARY KEY (town, assignment)
);
CREATE INDEX assignments_incident ON assignments (town, incident);
CREATE INDEX assignments_responder ON assignments (town, responder, seq);

-- Every change of an assignment's status, in log order: created (decision),
-- accepted, declined, en_route, on_scene, done (responders), cancelled, timed_out (decisions).
CREATE TABLE assignment_status (
	town       text NOT NULL,
	seq        bigint NOT NULL,
	assignment text NOT NULL,
	status     text NOT NULL,
	responder  text,
	at         timestamptz NOT NULL,
	PRIMARY KEY (town, seq, assignment)
);
CREATE INDEX assignment_status_by_assignment ON assignment_status (town, assignment, seq);

CREATE TABLE responder_status (
	town       text NOT NULL,
	seq        bigint NOT NULL,
	responder  text NOT NULL,
	status     text NOT NULL,
	assignment text,
	lat        double precision,
	lon        double precision,
	note       text,
	at         timestamptz NOT NULL,
	PRIMARY KEY (town, seq)
);
CREATE INDEX responder_status_by_responder ON responder_status (town, responder, at);

CREATE TABLE rain_readings (
	town    text NOT NULL,
	seq     bigint NOT NULL,
	gauge   text NOT NULL,
	mm      double precision NOT NULL,
	minutes double precision NOT NULL,
	at      timestamptz NOT NULL,
	drill   boolean NOT NULL DEFAULT false,
	PRIMARY KEY (town, seq)
);
CREATE INDEX rain_readings_gauge_time ON rain_readings (town, gauge, at);

CREATE TABLE level_readings (
	town   text NOT NULL,
	seq    bigint NOT NULL,
	gauge  text NOT NULL,
	meters double precision NOT NULL,
	at     timestamptz NOT NULL,
	drill  boolean NOT NULL DEFAULT false,
	PRIMARY KEY (town, seq)
);
CREATE INDEX level_readings_gauge_time ON level_readings (town, gauge, at);

-- The next three are filled generically from flood.warning.*, flood.evac.* and
-- flood.aid.* events (and evacuate commands) until those types are in the
-- contract; later migrations add typed columns and backfill from data.
CREATE TABLE warnings (
	town     text NOT NULL,
	seq      bigint NOT NULL,
	type     text NOT NULL,
	event_id text,
	warning  text,
	level    text,
	at       timestamptz NOT NULL,
	data     jsonb,
	PRIMARY KEY (town, seq)
);

CREATE TABLE evac_orders (
	town     text NOT NULL,
	seq      bigint NOT NULL,
	type     text NOT NULL,
	event_id text,
	order_id text,
	operator text,
	at       timestamptz NOT NULL,
	data     jsonb,
	PRIMARY KEY (town, seq)
);

CREATE TABLE household_states (
	town      text NOT NULL,
	seq       bigint NOT NULL,
	household text NOT NULL,
	state     text NOT NULL,
	shelter   text,
	people    integer NOT NULL DEFAULT 0,
	at        timestamptz NOT NULL,
	PRIMARY KEY (town, seq)
);
CREATE INDEX household_states_by_household ON household_states (town, household, seq);

-- Shelter occupancy over time: each check-in (+people) or check-out (-people).
-- The running total is a view, not a column, so that a change the engine
-- refuses later (its rejection removes the row) leaves no wrong total behind.
CREATE TABLE shelter_occupancy (
	town      text NOT NULL,
	seq       bigint NOT NULL,
	shelter   text NOT NULL,
	delta     integer NOT NULL,
	household text,
	at        timestamptz NOT NULL,
	PRIMARY KEY (town, seq)
);
CREATE INDEX shelter_occupancy_by_shelter ON shelter_occupancy (town, shelter, seq);
CREATE VIEW shelter_occupancy_running AS
	SELECT town, seq, shelter, delta, household, at,
	       sum(delta) OVER (PARTITION BY town, shelter ORDER BY seq) AS occupancy
	FROM shelter_occupancy;

-- Mutual aid: requests, responses, commitments, releases (EDXL-RM), and the
-- engine's own "aid needed" decisions. direction: received (addressed to this
-- town on flood.aid.<town>.…), needed (this town's engine asked), given (this town sent).
CREATE TABLE aid_requests (
	town      text NOT NULL,
	seq       bigint NOT NULL,
	type      text NOT NULL,
	event_id  text,
	request   text,
	direction text NOT NULL,
	from_town text,
	to_town   text,
	incident  text,
	at        timestamptz NOT NULL,
	data      jsonb,
	PRIMARY KEY (town, seq)
);

CREATE TABLE rejections (
	town      text NOT NULL,
	seq       bigint NOT NULL,
	event_id  text,
	subject   text,
	reason    text,
	field     text,
	value     text,
	input_seq bigint,
	at        timestamptz,
	PRIMARY KEY (town, seq)
);
CREATE INDEX rejections_input ON rejections (town, input_seq);

-- Operator commands, as given: who, when, what, from where. Append-only: the
-- trigger below refuses UPDATE and DELETE (and TRUNCATE) even to the table's owner.
CREATE TABLE audit (
	town     text NOT NULL,
	seq      bigint NOT NULL,
	event_id text NOT NULL,
	operator text NOT NULL,
	verb     text NOT NULL,
	source   text NOT NULL,
	at       timestamptz NOT NULL,
	drill    boolean NOT NULL DEFAULT false,
	data     jsonb,
	PRIMARY KEY (town, seq)
);

CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'audit is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER audit_no_update_delete BEFORE UPDATE OR DELETE ON audit
	FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit
	FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
