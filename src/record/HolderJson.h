#pragma once

#include "types/Sample.h"

#include <QByteArray>
#include <QList>

namespace poolscope {

// A target's holders as a recording stores them (the `holder_sets` table, SCHEMA.md): the holders contract's
// JSON array, acquired_at as seconds since the epoch.
QByteArray holdersToJson(const QList<Holder>& holders);
// Back from holdersToJson(); *error set (and what could be read returned) when the text is damaged.
QList<Holder> holdersFromJson(const QByteArray& json, QString* error = nullptr);

} // namespace poolscope
