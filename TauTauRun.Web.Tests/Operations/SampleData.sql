-- Rows in every table, for the backup and restore tests and for timing them: psql -v participants=N.
-- Generated, not personal: names and addresses are numbered placeholders.
INSERT INTO event_settings (name, starts_at, time_zone, place, registration_opens_at, registration_closes_at,
    payment_deadline_days, edit_deadline, waitlist_offer_hours, waiver_text, waiver_version)
VALUES ('Tau-Tau Run', '2027-05-01 08:00+02', 'Europe/Berlin', 'Riverside park', '2027-01-01', '2027-04-20',
    7, '2027-04-25', 48, 'I run at my own risk.', 'v1')
-- A service that already served a page has stored its first-run settings: those stay.
ON CONFLICT (id) DO NOTHING;
INSERT INTO race_categories (name, distance_meters, capacity, price_minor, currency, bib_first, bib_last, minimum_age, sort_order)
VALUES ('5K', 5000, :participants, 1500, 'EUR', 1, 99999, 8, 1), ('10K', 10000, :participants, 2500, 'EUR', 100001, 199999, 14, 2);
INSERT INTO admins (username, display_name, password_hash, role)
VALUES ('admin', 'Admin', 'not-a-real-hash', 'admin'), ('helper', 'Helper', 'not-a-real-hash', 'volunteer');
INSERT INTO participants (reference, access_token_hash, category_id, payment_status, full_name, email, phone,
    date_of_birth, gender, tshirt_size, emergency_contact_name, emergency_contact_phone, amount_due_minor, currency,
    amount_paid_minor, paid_on, bib, waiver_version, waiver_accepted_at)
SELECT 'TTR-' || lpad(upper(to_hex(i)), 6, '0'), sha256(int4send(i)), 1 + i % 2,
    CASE WHEN i % 3 = 0 THEN 'PAID' ELSE 'PENDING' END, 'Runner ' || i, 'runner' || i || '@example.org', '+4930' || lpad(i::text, 7, '0'),
    DATE '1980-01-01' + i % 9000, 'X', 'M', 'Contact ' || i, '+4930' || lpad(i::text, 7, '0'), 1500, 'EUR',
    CASE WHEN i % 3 = 0 THEN 1500 END, CASE WHEN i % 3 = 0 THEN DATE '2027-02-01' END, CASE WHEN i % 3 = 0 THEN i END,
    'v1', now()
FROM generate_series(1, :participants) AS i;
-- Each runner holds a place, as registration leaves it: the races' slots (made by the trigger) are taken in order.
UPDATE category_slots s SET participant_id = holder.id
FROM (SELECT id, category_id, row_number() OVER (PARTITION BY category_id ORDER BY id) AS n FROM participants) holder
WHERE s.category_id = holder.category_id AND s.slot_no = holder.n;
-- The failed ones are past their last attempt (no next one), so a service started on this data leaves them be.
INSERT INTO email_logs (participant_id, kind, recipient, subject, html_body, text_body, message_id, status, sent_at, next_attempt_at)
SELECT id, 'REGISTRATION_RECEIVED', email, 'Registered', '<p>Registered</p>', 'Registered', reference || '@tautaurun.test',
    CASE WHEN id % 10 = 0 THEN 'FAILED' ELSE 'SENT' END, CASE WHEN id % 10 = 0 THEN NULL ELSE now() END, NULL
FROM participants;
INSERT INTO audit_log (actor_admin_id, actor, action, participant_id, details)
SELECT 1, 'admin', 'participant.mark_paid', id, '{"amount_minor": 1500}' FROM participants WHERE payment_status = 'PAID';
INSERT INTO data_protection_keys (friendly_name, xml) VALUES ('key-1', '<key/>');
