#pragma once
// Moving a row's columns in and out of an OGRFeature, driven by its Table.
//
// Private to the store module.

#include <string>
#include <vector>

#include "gdal.hpp"
#include "tables.hpp"
#include "wangge/model/duty_days.hpp"
#include "wangge/store/geopackage.hpp"

namespace wangge::store::detail {

/// How times are written: OGR DateTime fields in the store; ISO 8601 text
/// (+08:00) in exported files, which every format and reader can hold.
enum class TimeEncoding { datetime, iso_text };

template <class Row>
OGRFieldType ogr_type(const Member<Row>& member, TimeEncoding times) {
    const OGRFieldType time_type = times == TimeEncoding::datetime ? OFTDateTime : OFTString;
    return std::visit(Overloaded{[](std::string Row::*) { return OFTString; },
                                 [](int Row::*) { return OFTInteger; },
                                 [](std::int64_t Row::*) { return OFTInteger64; },
                                 [&](TimeMember<Row>) { return time_type; },
                                 [&](std::optional<model::Timestamp> Row::*) { return time_type; },
                                 [](std::vector<std::string> Row::*) { return OFTString; },
                                 [](model::GridLevel Row::*) { return OFTString; },
                                 [](model::Duty Row::*) { return OFTString; },
                                 [](DutyDaysMember<Row>) { return OFTString; }},
                      member);
}

/// Field indexes of a table's columns in a layer, resolved once per load or append.
template <class Row>
std::vector<int> field_indexes(OGRLayer& layer, const Table<Row>& table) {
    std::vector<int> indexes;
    for (const Column<Row>& column : table.columns) {
        const int index = layer.GetLayerDefn()->GetFieldIndex(column.name);
        if (index < 0) {
            throw StoreError(std::string("layer ") + layer.GetName() + " has no field " + column.name);
        }
        indexes.push_back(index);
    }
    return indexes;
}

/// Sets every column of the table, so a reused feature carries no value over.
template <class Row>
void write_fields(OGRFeature& feature, const Table<Row>& table, const std::vector<int>& indexes, const Row& row,
                  TimeEncoding times) {
    const auto set_time = [&](int field, model::Timestamp t) {
        if (times == TimeEncoding::datetime) {
            set_time_field(feature, field, t);
        } else {
            feature.SetField(field, model::format_iso8601(t).c_str());
        }
    };
    for (std::size_t i = 0; i < table.columns.size(); ++i) {
        const int field = indexes[i];
        std::visit(Overloaded{[&](std::string Row::*m) { feature.SetField(field, (row.*m).c_str()); },
                              [&](int Row::*m) { feature.SetField(field, row.*m); },
                              [&](std::int64_t Row::*m) { feature.SetField(field, static_cast<GIntBig>(row.*m)); },
                              [&](TimeMember<Row> m) { set_time(field, row.*(m.member)); },
                              [&](std::optional<model::Timestamp> Row::*m) {
                                  if (row.*m) {
                                      set_time(field, *(row.*m));
                                  } else {
                                      feature.SetFieldNull(field);
                                  }
                              },
                              [&](std::vector<std::string> Row::*m) {
                                  feature.SetField(field, join_tags(row.*m).c_str());
                              },
                              [&](model::GridLevel Row::*m) {
                                  feature.SetField(field, std::string(model::to_string(row.*m)).c_str());
                              },
                              [&](model::Duty Row::*m) {
                                  feature.SetField(field, std::string(model::to_string(row.*m)).c_str());
                              },
                              [&](DutyDaysMember<Row> m) {
                                  feature.SetField(field, model::format_duty_days(row.*(m.member)).c_str());
                              }},
                   table.columns[i].member);
    }
}

}  // namespace wangge::store::detail
