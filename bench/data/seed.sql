-- Bench data for a migrated, empty database, made by set operations (100,000 runners in seconds):
--   psql -v participants=N -v emails_per=K -v email_status=SENT|QUEUED -f seed.sql
-- Runners across four races, each race exactly full (its slots all held, so the rest wait) with bibs in
-- the race's range for every paid runner; K outbox rows per runner with bodies the size and shape of
-- the real templates. email_status=SENT makes delivered mail (one in 20 failed for good, so a service
-- started on it sends nothing); QUEUED makes every row due now, for the drain benchmark.
-- Names are drawn from short lists, so a name fragment matches as many runners as in a real field.
-- Runners have 100 days to pay, so no pending registration is overdue: a service started on this
-- data has nothing to expire (its sweep would otherwise change the data under the benchmarks).
\set ON_ERROR_STOP 1
BEGIN;

INSERT INTO event_settings (name, starts_at, time_zone, place, bank_account_holder, bank_iban, bank_bic, bank_name,
    registration_opens_at, registration_closes_at, payment_deadline_days, edit_deadline, waitlist_offer_hours,
    waiver_text, waiver_version)
VALUES ('Tau-Tau Run', now() + interval '90 days', 'Europe/Berlin', 'Riverside park', 'Tau-Tau Run e.V.',
    'DE89370400440532013000', 'COBADEFFXXX', 'Commerzbank', now() - interval '90 days', now() + interval '60 days',
    100, now() + interval '80 days', 48, 'I run at my own risk.', 'v1');

-- Capacity 0 for now: it becomes the number of runners holding a place, which makes the slots.
INSERT INTO race_categories (name, distance_meters, capacity, price_minor, currency, bib_first, bib_last, minimum_age, sort_order)
VALUES ('5K', 5000, 0, 1500, 'EUR', 1, 99999, 8, 1), ('10K', 10000, 0, 2500, 'EUR', 100001, 199999, 14, 2),
       ('Half marathon', 21098, 0, 4500, 'EUR', 200001, 299999, 16, 3), ('Marathon', 42195, 0, 6500, 'EUR', 300001, 399999, 18, 4);

CREATE TEMP TABLE bench_runner ON COMMIT DROP AS
WITH draw AS (
    SELECT i, abs(hashint4(i)) AS h1, abs(hashint4(i + 7000000)) AS h2, abs(hashint4(i + 14000000)) AS h3,
           (ARRAY['Anna','Lukas','Sofia','Jan','Emma','Noah','Mia','Elias','Lena','Finn','Marie','Paul','Julia','Ben',
                  'Clara','Felix','Hannah','Jonas','Lea','Leon','José','Zoë','Søren','Anaïs','Björn','Chloé','Mateo',
                  'Olivia','Liam','Amira','Yusuf','Fatima','Wei','Mei','Aiko','Kenji','Priya','Arjun','Nadia','Ivan'])
               [1 + abs(hashint4(i + 21000000)) % 40] AS first_name,
           (ARRAY['Müller','Schmidt','Schneider','Fischer','Weber','Meyer','Wagner','Becker','Schulz','Hoffmann',
                  'Jansen','de Vries','van Dijk','Bakker','Visser','Smit','Dubois','Martin','Bernard','Garcia',
                  'Rossi','Russo','Ferrari','Nowak','Kowalski','Novák','Svensson','Johansson','Hansen','Nielsen',
                  'Smith','Jones','Brown','Taylor','Wilson','O''Brien','Murphy','Kelly','Yilmaz','Demir'])
               [1 + abs(hashint4(i + 28000000)) % 40] AS last_name
    FROM generate_series(1, :participants) AS i
)
SELECT i, first_name, last_name,
       -- 30% 5K, 35% 10K, 25% half, 10% marathon
       CASE WHEN h1 % 100 < 30 THEN 1 WHEN h1 % 100 < 65 THEN 2 WHEN h1 % 100 < 90 THEN 3 ELSE 4 END AS category_no,
       CASE WHEN h2 % 100 < 60 THEN 'PAID' WHEN h2 % 100 < 85 THEN 'PENDING' WHEN h2 % 100 < 90 THEN 'WAITLISTED'
            WHEN h2 % 100 < 95 THEN 'CANCELLED' WHEN h2 % 100 < 98 THEN 'EXPIRED' ELSE 'REFUNDED' END AS status,
       h3,
       now() - interval '90 days' * (1 - i::float8 / :participants) AS created_at
FROM draw;

INSERT INTO participants (reference, access_token_hash, category_id, payment_status, full_name, email, phone,
    date_of_birth, gender, tshirt_size, emergency_contact_name, emergency_contact_phone, club, amount_due_minor, currency,
    amount_paid_minor, payment_method, paid_on, bib, waiver_version, waiver_accepted_at, created_at, updated_at, status_changed_at,
    email_confirmed_at)
SELECT
    -- The runner's number in Crockford base 32: unique, and what the reference CHECK allows.
    'TTR-' || (SELECT string_agg(substr('0123456789ABCDEFGHJKMNPQRSTVWXYZ', 1 + (r.i / (32 ^ d)::bigint % 32)::int, 1), '' ORDER BY d DESC)
               FROM generate_series(0, 5) AS d),
    sha256(int4send(r.i)), c.id, r.status, r.first_name || ' ' || r.last_name,
    translate(lower(r.first_name || '.' || replace(replace(r.last_name, ' ', ''), '''', '')), 'éëïöüøåäç', 'eeiouoaac')
        || r.i || '@' || (ARRAY['gmail.com','web.de','outlook.com','gmx.net','posteo.de','example.org'])[1 + r.h3 % 6],
    '+49' || (1510000000 + r.h3 % 89999999),
    DATE '1950-01-01' + r.h3 % 20000, (ARRAY['F','M','X'])[1 + r.h3 % 3], (ARRAY['XS','S','M','L','XL','XXL'])[1 + r.h3 % 6],
    'Contact of ' || r.first_name, '+49' || (1600000000 + r.h3 % 89999999),
    CASE WHEN r.h3 % 4 = 0 THEN 'Lauftreff ' || r.last_name ELSE '' END,
    c.price_minor, c.currency,
    CASE WHEN r.status = 'PAID' THEN c.price_minor END, CASE WHEN r.status = 'PAID' THEN 'BANK_TRANSFER' END,
    CASE WHEN r.status = 'PAID' THEN (r.created_at + interval '3 days')::date END,
    CASE WHEN r.status = 'PAID' THEN c.bib_first - 1 + row_number() OVER (PARTITION BY c.id, r.status = 'PAID' ORDER BY r.i) END,
    'v1', r.created_at, r.created_at, r.created_at, r.created_at, r.created_at -- every seeded runner confirmed their address
FROM bench_runner r JOIN race_categories c ON c.sort_order = r.category_no
ORDER BY r.i;

-- Each race exactly full: as many slots as runners holding a place, each slot held by one of them.
UPDATE race_categories c SET capacity = (SELECT count(*) FROM participants p
    WHERE p.category_id = c.id AND p.payment_status IN ('PENDING', 'PAID', 'OFFERED'));
UPDATE category_slots s SET participant_id = holder.id
FROM (SELECT id, category_id, row_number() OVER (PARTITION BY category_id ORDER BY id) AS n
      FROM participants WHERE payment_status IN ('PENDING', 'PAID', 'OFFERED')) holder
WHERE s.category_id = holder.category_id AND s.slot_no = holder.n;

INSERT INTO email_logs (participant_id, kind, recipient, subject, html_body, text_body, message_id, status, attempts,
    last_error, next_attempt_at, created_at, sent_at, last_attempt_at)
SELECT p.id, m.kind, p.email, m.subject,
    format(E'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>%1$s</title></head>\n'
        '<body style="font-family:sans-serif;line-height:1.5;color:#1f2937;max-width:40em">\n'
        '<h1 style="font-size:1.3em;color:#c2410c">Tau-Tau Run</h1>\n<p>Hello %2$s,</p>\n'
        '<p>we have your registration for the %3$s at Tau-Tau Run on Saturday 1 May 2027, 08:00, Riverside park. Your place is held until %4$s: please pay by bank transfer before then.</p>\n'
        '<table cellpadding="4" style="border-collapse:collapse">\n<tr><th align="left">Amount</th><td>EUR %5$s</td></tr>\n'
        '<tr><th align="left">Payment reference</th><td>%6$s</td></tr>\n<tr><th align="left">Account holder</th><td>Tau-Tau Run e.V.</td></tr>\n'
        '<tr><th align="left">IBAN</th><td>DE89370400440532013000</td></tr>\n<tr><th align="left">BIC</th><td>COBADEFFXXX</td></tr>\n</table>\n'
        '<p>Please use the payment reference exactly as shown, so we can match your payment. You will get your bib number by email once the payment has arrived.</p>\n'
        '<p><a href="https://tautaurun.example.org/status/%7$s">Your registration (status, details, cancellation)</a></p>\n'
        '<p>Keep this link to yourself: anyone who has it can see and change your registration.</p>\n</body></html>',
        m.subject, p.full_name, c.name, to_char(p.created_at + interval '7 days', 'FMDay FMDD FMMonth YYYY, HH24:MI'),
        to_char(p.amount_due_minor / 100.0, 'FM999990.00'), p.reference, encode(sha256(p.access_token_hash), 'hex')),
    format(E'Tau-Tau Run\n\nHello %1$s,\n\nwe have your registration for the %2$s at Tau-Tau Run on Saturday 1 May 2027, 08:00, Riverside park. '
        'Your place is held until %3$s: please pay by bank transfer before then.\n\nAmount: EUR %4$s\nPayment reference: %5$s\n'
        'Account holder: Tau-Tau Run e.V.\nIBAN: DE89370400440532013000\nBIC: COBADEFFXXX\n\n'
        'Please use the payment reference exactly as shown, so we can match your payment. You will get your bib number by email once the payment has arrived.\n\n'
        'Your registration (status, details, cancellation): https://tautaurun.example.org/status/%6$s\n\n'
        'Keep this link to yourself: anyone who has it can see and change your registration.\n',
        p.full_name, c.name, to_char(p.created_at + interval '7 days', 'FMDay FMDD FMMonth YYYY, HH24:MI'),
        to_char(p.amount_due_minor / 100.0, 'FM999990.00'), p.reference, encode(sha256(p.access_token_hash), 'hex')),
    md5(p.id || '/' || m.n) || '@tautaurun.bench',
    m.status, CASE WHEN m.status = 'QUEUED' THEN 0 ELSE 1 END,
    CASE WHEN m.status = 'FAILED' THEN 'SMTP 550: mailbox unavailable' END,
    CASE WHEN m.status = 'QUEUED' THEN now() END,
    p.created_at, CASE WHEN m.status = 'SENT' THEN p.created_at END, CASE WHEN m.status <> 'QUEUED' THEN p.created_at END
FROM participants p JOIN race_categories c ON c.id = p.category_id
CROSS JOIN LATERAL (
    SELECT n,
           CASE WHEN n = 1 AND p.payment_status = 'WAITLISTED' THEN 'WAITLIST_JOINED' WHEN n = 1 THEN 'REGISTRATION_RECEIVED'
                WHEN n = 2 AND p.payment_status = 'PAID' THEN 'PAYMENT_CONFIRMED' ELSE 'STATUS_LINK' END AS kind,
           'Registration received: ' || p.reference || ' – Tau-Tau Run' AS subject,
           CASE WHEN :'email_status' = 'QUEUED' THEN 'QUEUED' WHEN (p.id + n) % 20 = 0 THEN 'FAILED' ELSE 'SENT' END AS status
    FROM generate_series(1, :emails_per) AS n) m
ORDER BY p.id, m.n;

INSERT INTO audit_log (occurred_at, actor, action, participant_id, details)
SELECT paid_on + time '10:00', 'bench', 'participant.mark_paid', id, jsonb_build_object('amount_minor', amount_paid_minor, 'bib', bib)
FROM participants WHERE payment_status = 'PAID';

COMMIT;
VACUUM ANALYZE;
