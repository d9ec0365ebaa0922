DROP TABLE outbox_attachments;
ALTER TABLE invoices DROP COLUMN buyer_tax_id;
ALTER TABLE invoices DROP COLUMN po_number;
ALTER TABLE sponsorships DROP COLUMN po_number;
ALTER TABLE sponsors DROP COLUMN tax_id;
