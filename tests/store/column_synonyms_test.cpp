#include "wangge/store/column_synonyms.hpp"

#include <set>
#include <string>

#include <gtest/gtest.h>

namespace wangge::store {
namespace {

TEST(ColumnSynonyms, RosterHeadersNameHouseholdFields) {
    EXPECT_EQ(field_for_header(Layer::households, "姓名"), "head_name");
    EXPECT_EQ(field_for_header(Layer::households, "户主姓名"), "head_name");
    EXPECT_EQ(field_for_header(Layer::households, "身份证号"), "id_number");
    EXPECT_EQ(field_for_header(Layer::households, "联系电话（手机）"), "phone");
    EXPECT_EQ(field_for_header(Layer::households, " *门牌号\u3000"), "room");
    EXPECT_EQ(field_for_header(Layer::households, "经度(°)"), "lon");
    EXPECT_EQ(field_for_header(Layer::households, "人员类别"), "tags");
    EXPECT_EQ(field_for_header(Layer::households, "Head_Name"), "head_name");
    EXPECT_EQ(field_for_header(Layer::households, "序号"), std::nullopt);
    EXPECT_EQ(field_for_header(Layer::households, "X坐标"), std::nullopt);
    EXPECT_EQ(field_for_header(Layer::households, ""), std::nullopt);
    // The same header means different fields in different layers.
    EXPECT_EQ(field_for_header(Layer::grids, "编号"), "code");
    EXPECT_EQ(field_for_header(Layer::households, "编号"), "id");
    EXPECT_EQ(field_for_header(Layer::staff, "姓名"), "name");
}

TEST(ColumnSynonyms, ExportHeadersReadBackToTheirField) {
    for (const Layer layer : all_layers) {
        std::set<std::string> names;
        for (const FieldSynonyms& entry : column_synonyms(layer)) {
            ASSERT_FALSE(entry.names.empty()) << entry.field;
            EXPECT_EQ(chinese_header(layer, entry.field), entry.names.front());
            EXPECT_EQ(field_for_header(layer, chinese_header(layer, entry.field)), entry.field);
            for (const std::string_view name : entry.names) {
                // A header names one field per layer, or reading it would depend on column order.
                EXPECT_TRUE(names.emplace(name).second) << to_string(layer) << ": " << name << " listed twice";
            }
        }
    }
    EXPECT_EQ(chinese_header(Layer::households, "no_such_field"), "no_such_field");
}

}  // namespace
}  // namespace wangge::store
