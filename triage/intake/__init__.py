"""Referral intake: the long form, its drafts, and the referral page."""
