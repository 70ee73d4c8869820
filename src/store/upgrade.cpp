#include "upgrade.hpp"

#include "fields.hpp"
#include "gdal.hpp"
#include "tables.hpp"

namespace wangge::store::detail {

namespace {

template <class Row>
void add_missing_columns(GDALDataset& dataset, const Table<Row>& table) {
    const std::string name(to_string(table.layer));
    OGRLayer* layer = dataset.GetLayerByName(name.c_str());
    if (layer == nullptr) throw StoreError("the store has no layer " + name);
    for (const Column<Row>& column : table.columns) {
        if (layer->GetLayerDefn()->GetFieldIndex(column.name) >= 0) continue;
        // A required column cannot be added: its old rows would have no value.
        if (column.required) throw StoreError("layer " + name + " has no field " + column.name);
        OGRFieldDefn field(column.name, ogr_type<Row>(column.member, TimeEncoding::datetime));
        if (layer->CreateField(&field) != OGRERR_NONE) {
            throw StoreError("cannot add field " + name + "." + column.name + ": " + last_gdal_error());
        }
    }
}

}  // namespace

void upgrade_layers(GDALDataset& dataset) {
    for (const Layer layer : all_layers) {
        with_table(layer, [&](const auto& table) { add_missing_columns(dataset, table); });
    }
    (void)execute_sql(dataset,
                      "CREATE UNIQUE INDEX IF NOT EXISTS visits_client_key ON visits (client_key) "
                      "WHERE client_key IS NOT NULL AND client_key <> ''");
}

}  // namespace wangge::store::detail
