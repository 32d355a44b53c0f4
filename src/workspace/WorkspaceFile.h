#pragma once

#include "types/Workspace.h"

#include <QStringList>

#include <optional>

namespace poolscope {

// The result of loading or validating: a workspace, or every problem found, each naming its place
// ("targets[1].interval: must be a number of seconds between 0.1 and 3600").
struct WorkspaceResult
{
    std::optional<Workspace> workspace;
    QStringList errors;
    bool ok() const { return workspace.has_value(); }
};

WorkspaceResult loadWorkspace(const QString& path);
WorkspaceResult parseWorkspace(const QByteArray& json, const QString& sourceName);
// Validates names, URLs, intervals and references; fills defaults (application_name, database).
QStringList validateWorkspace(Workspace& workspace);
QByteArray workspaceToJson(const Workspace& workspace);
// The workspace as it may be stored (a recording's meta table): header names kept but their values
// removed, user:password@ removed from URLs and the values of secret-looking query parameters and
// conninfo parameters (password, sslpassword, ...) removed.
Workspace withoutSecrets(Workspace workspace);

// The literal secrets a workspace would write into its file, each naming its place
// ("targets[0].headers.Authorization: holds a literal secret; write ${env:NAME} instead"): a header whose
// name looks secret (Authorization, *token*, *key*, cookie, ...) with a value that is more than an
// auth scheme and ${env:NAME} references, a URL with user:password@ or a secret-looking query parameter
// with a value. (A conninfo password is refused by validateWorkspace already.) Empty when there is none.
QStringList literalSecrets(const Workspace& workspace);

// Expands ${env:NAME} from the process environment; an unset variable expands to "" and is reported.
QString expandEnv(const QString& text, QStringList* unsetNames = nullptr);

} // namespace poolscope
