"""PolicyDesk's evaluation: question sets (data) and the runner that scores the Assistant on them."""
