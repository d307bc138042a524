"""Tests of the plan concern."""
