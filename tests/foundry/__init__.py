"""Tests of the foundry concern."""
