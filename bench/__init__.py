"""Benchmarks and load tests for trialmatch; never imported by the service."""
