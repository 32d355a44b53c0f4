#pragma once

#include "WorkspaceFile.h"

namespace poolscope {

// The inspector's "Use as <metric>": one `fields` entry of one target, written back to the workspace file.

// `workspace` with targets[name == target].fields[key] = value, validated as a loaded file is; on failure
// the errors name the place ("targets[0].fields.tracked: ...") or the unknown target.
WorkspaceResult withTargetField(Workspace workspace, const QString& target, const QString& key, const QString& value);

// Re-reads the workspace file at `path` (so what others wrote there and every ${env:NAME} reference stay as
// written: nothing is expanded, no secret is added), sets the field, checks that the text about to be
// written loads back as the same workspace (parseWorkspace), and replaces the file atomically (QSaveFile).
// The file is left untouched on any error. Blocking I/O: run it off the GUI thread.
WorkspaceResult writeTargetField(const QString& path, const QString& target, const QString& key, const QString& value);

// File ▸ Save / Save As: writes `workspace` to `path` as workspaceToJson writes it (what loadWorkspace reads),
// after checking that it holds no literal secret (literalSecrets: ${env:NAME} references are kept as written)
// and that the text loads back as the same workspace. The file is replaced atomically (QSaveFile) and left
// untouched on any error. The result's workspace has `path` (absolute). Blocking I/O: run it off the GUI thread.
WorkspaceResult saveWorkspace(Workspace workspace, const QString& path);

// Thresholds edited in the window: re-reads the workspace file at `path`, sets its thresholds and writes it
// back as writeTargetField does (everything else as written there).
WorkspaceResult writeThresholds(const QString& path, const Thresholds& thresholds);

} // namespace poolscope
