"""The screening team's "possible earlier referral" tasks."""
