"""Benchmarks (not tests): AWS calls and latency per operation, cold start per
function. Run with `make bench`; see bench/README.md."""
