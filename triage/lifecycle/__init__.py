"""Data lifecycle pages: closing a referral (starts retention) and subject-access export."""
