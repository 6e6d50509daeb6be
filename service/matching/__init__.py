"""The pure matching core: eligibility, reach, scoring and ranking. No I/O."""
