#pragma once

namespace poolscope {

// Capped exponential backoff with jitter, the one used by every source that retries (health polls
// after failed polls, pg_stat_activity reconnects).
//
// After `failures` consecutive failures (>= 1) the delay is base * 2^(failures - 1), capped at capMs but
// never below base (a long poll interval is never shortened), then scaled by (1 + jitter * j) for a
// j in [-1, 1] so that many sources failing together do not retry in lockstep. With no failure the
// delay is the base, without jitter. Always at least 1 ms.
struct Backoff
{
    int baseMs = 1000;
    int capMs = 30'000;
    double jitter = 0.2; // the +- fraction

    // `j` in [-1, 1] (clamped): tests pass fixed values.
    int delayMs(int failures, double j) const;
    // With a uniformly random j.
    int randomDelayMs(int failures) const;
};

} // namespace poolscope
