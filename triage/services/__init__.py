"""Services: the only code that changes state. They flush and audit in the caller's
transaction; the caller (a request or a job) commits once."""
