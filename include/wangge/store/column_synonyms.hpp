#pragma once
// The Chinese column headers of each layer (issue #17): the names street
// offices give the columns of their Excel rosters (户籍/人口台账) and survey
// tables, mapped to the model fields of src/store/tables.cpp. Import reads it
// forwards (a header → the field it names); export reads it backwards (a
// field → the header to write, the first name of its entry), so an exported
// workbook imports again unchanged. docs/import.md prints the table.
//
// Besides the model fields, the point layers list "lon" and "lat" (the
// coordinate columns of a table without geometry) and the layers with a
// model id list "id". "X坐标"/"Y坐标" are deliberately absent: Chinese
// surveyors call the northing X, GIS tools the easting, so a roster's X/Y
// must be mapped explicitly (--map lon=Y坐标 --map lat=X坐标).
//
// Thread safety: constant data and pure functions.

#include <optional>
#include <span>
#include <string_view>

#include "wangge/store/store.hpp"

namespace wangge::store {

/// One field's Chinese names; `names[0]` is the header export writes.
struct FieldSynonyms {
    std::string_view field;
    std::span<const std::string_view> names;
};

/// Every field of `layer` that has Chinese names, in the layer's column order.
[[nodiscard]] std::span<const FieldSynonyms> column_synonyms(Layer layer) noexcept;

/// The field a source column header names in `layer`: the field itself
/// (ASCII case ignored) or one of its Chinese names. Blanks (also the
/// ideographic space U+3000), a leading '*' (the "required" mark of
/// templates) and a trailing remark in brackets ("联系电话（手机）",
/// "经度(°)") are ignored. nullopt when the header names no field.
[[nodiscard]] std::optional<std::string_view> field_for_header(Layer layer, std::string_view header) noexcept;

/// The Chinese header export writes for `field` of `layer`; `field` itself
/// when the table has no Chinese name for it.
[[nodiscard]] std::string_view chinese_header(Layer layer, std::string_view field) noexcept;

}  // namespace wangge::store
