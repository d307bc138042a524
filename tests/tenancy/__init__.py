"""Tests of the tenancy concern."""
