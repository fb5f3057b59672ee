"""Tests of Rightsize."""
