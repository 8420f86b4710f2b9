"""Scoring (诚信积分): the card snapshot per citizen, its history, and the re-scoring jobs."""
