DROP TABLE outbox_attempts;
DROP TABLE outbox;
DROP TABLE relay_tickets;
DROP TABLE relays;
