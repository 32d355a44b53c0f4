#pragma once

#include "Suspects.h"

namespace poolscope {

// Tunables of reconcileWithHolders().
struct HolderOptions
{
    // The holders and pg_stat_activity are read at different moments: a pid is called dead (claimed, not
    // shown) only when it was acquired at least this long before the snapshot, and a backend outside the
    // pool only when it sat unchanged at least this long (plus the time between the two reads).
    double settleSeconds = 5;
};

// Exact suspects: the app reported, for every connection it has checked out now, the backend pid, when and
// where it was taken, and whether its own tracking knows it (input.holders). The suspects are the untracked
// holders whose pid PostgreSQL shows (in input.databaseBackends), longest held first, each with its holder;
// they are grouped by code location (the innermost frame). The discrepancy is explained by them; the
// confidence is Exact when they account for all of it and every untracked holder was found.
// Disagreements: a holder (tracked or not) whose pid the snapshot lacks although it was acquired settleSeconds
// before it (a dead connection kept in the pool); a backend of the app no holder claims that is neither one
// of the pool's idle connections (pool_idle of the youngest idle ones) nor newer than settleSeconds (a
// connection taken outside the pool). Without pool_idle, idle unclaimed backends are not judged.
// Everything else of the Reconciliation (states, reuse time) is reconcile()'s, computed without holders.
Reconciliation reconcileWithHolders(
    const ReconcileInput& input, const SuspectOptions& options = {}, const HolderOptions& holderOptions = {});

// A stack frame for screenshots and shared reports: the literals in its function part (quoted strings,
// numbers) become "?"; the file and line stay, they are no secret.
// "jobs.py:88:load(user='bob', 42)" → "jobs.py:88:load(user=?, ?)". A location ("jobs.py:88 in load(…)") too.
QString redactFrame(const QString& frame);
// A disagreement's sentence, its holder's code location redacted on request.
QString disagreementText(const Disagreement& disagreement, bool redacted);
// A holder with every frame redacted.
Holder redactHolder(Holder holder);

} // namespace poolscope
