"""Who may do what: capabilities, object-level access, sign-in and sessions."""
