"""Rule-set administration (store, activate) and replay of stored referrals for managers."""
