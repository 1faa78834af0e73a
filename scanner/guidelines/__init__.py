"""What the studio knows beyond one log entry: its tool registry, its protected names, consent,
disclosure and marking; each module reads values (findings, entries, policy tables) only."""
