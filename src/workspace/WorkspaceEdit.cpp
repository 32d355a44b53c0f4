#include "WorkspaceEdit.h"

#include <QFileInfo>
#include <QSaveFile>

using namespace Qt::StringLiterals;

namespace poolscope {

namespace {

// Writes `workspace` (valid) to `path` when its text loads back as the same workspace; the file is untouched
// otherwise.
WorkspaceResult writeChecked(WorkspaceResult result, const QString& path)
{
    const QByteArray json = workspaceToJson(*result.workspace);
    const WorkspaceResult reread = parseWorkspace(json, path);
    if (!reread.ok() || !(*reread.workspace == *result.workspace)) {
        WorkspaceResult failed;
        failed.errors = reread.errors;
        failed.errors.prepend(path % u": the workspace would not load back as written; the file is unchanged"_s);
        return failed;
    }

    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(json) != json.size() || !file.commit()) {
        WorkspaceResult failed;
        failed.errors.append(u"%1: cannot write the workspace: %2"_s.arg(path, file.errorString()));
        return failed;
    }
    return result;
}

WorkspaceResult noFile()
{
    WorkspaceResult result;
    result.errors.append(u"the targets come from command-line flags, not a workspace file: nothing to save to"_s);
    return result;
}

} // namespace

WorkspaceResult withTargetField(Workspace workspace, const QString& target, const QString& key, const QString& value)
{
    WorkspaceResult result;
    auto it = std::find_if(workspace.targets.begin(), workspace.targets.end(),
        [&target](const TargetConfig& t) { return t.name == target; });
    if (it == workspace.targets.end()) {
        result.errors.append(u"targets: no target named \"%1\""_s.arg(target));
        return result;
    }
    it->fields.insert(key, value);
    result.errors = validateWorkspace(workspace);
    if (result.errors.isEmpty())
        result.workspace = std::move(workspace);
    return result;
}

WorkspaceResult writeTargetField(const QString& path, const QString& target, const QString& key, const QString& value)
{
    if (path.isEmpty())
        return noFile();
    WorkspaceResult loaded = loadWorkspace(path);
    if (!loaded.ok())
        return loaded;
    const QString absolutePath = loaded.workspace->path;
    WorkspaceResult result = withTargetField(std::move(*loaded.workspace), target, key, value);
    if (!result.ok()) {
        for (QString& error : result.errors)
            error = path % u": "_s % error;
        return result;
    }
    result.workspace->path = absolutePath;
    return writeChecked(std::move(result), path);
}

WorkspaceResult saveWorkspace(Workspace workspace, const QString& path)
{
    WorkspaceResult result;
    if (path.isEmpty()) {
        result.errors.append(u"the workspace needs a file name"_s);
        return result;
    }
    result.errors = validateWorkspace(workspace);
    result.errors += literalSecrets(workspace);
    result.errors.removeDuplicates();
    if (!result.errors.isEmpty()) {
        for (QString& error : result.errors)
            error = path % u": "_s % error;
        result.errors.append(path % u": not saved; the file is unchanged"_s);
        return result;
    }
    workspace.path = QFileInfo(path).absoluteFilePath();
    result.workspace = std::move(workspace);
    return writeChecked(std::move(result), path);
}

WorkspaceResult writeThresholds(const QString& path, const Thresholds& thresholds)
{
    if (path.isEmpty())
        return noFile();
    WorkspaceResult loaded = loadWorkspace(path);
    if (!loaded.ok())
        return loaded;
    loaded.workspace->thresholds = thresholds;
    const QStringList errors = validateWorkspace(*loaded.workspace);
    if (!errors.isEmpty()) {
        WorkspaceResult failed;
        for (const QString& error : errors)
            failed.errors.append(path % u": "_s % error);
        return failed;
    }
    return writeChecked(std::move(loaded), path);
}

} // namespace poolscope
