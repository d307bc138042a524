"""Tests of the costs concern."""
