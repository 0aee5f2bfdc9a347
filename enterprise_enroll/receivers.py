"""Signal receivers: realise pending learners when a user account with their email appears."""
