#pragma once

#include "types/Sample.h"

#include <QByteArray>
#include <QList>

#include <optional>

namespace poolscope {

// One holder as a recording stores it (interned in `texts`, referenced by `holder_sets`, SCHEMA.md): the holders
// contract's JSON object, acquired_at as seconds since the epoch.
QByteArray holderToJson(const Holder& holder);
// Back from holderToJson(); nullopt and *error set when the text is damaged.
std::optional<Holder> holderFromJson(const QByteArray& json, QString* error = nullptr);

} // namespace poolscope
