#pragma once
// RAII for the Cairo, Pango and GLib handles of the renderer: each is
// released once, by its own function.

#include <memory>

#include <cairo.h>
#include <pango/pangocairo.h>

namespace wangge::print::detail {

struct CairoDeleter {
    void operator()(cairo_t* cr) const noexcept { cairo_destroy(cr); }
    void operator()(cairo_surface_t* surface) const noexcept { cairo_surface_destroy(surface); }
    void operator()(PangoFontDescription* font) const noexcept { pango_font_description_free(font); }
};
/// PangoFontMap, PangoContext and PangoLayout are GObjects.
struct GObjectDeleter {
    void operator()(gpointer object) const noexcept { g_object_unref(object); }
};

using Cairo = std::unique_ptr<cairo_t, CairoDeleter>;
using Surface = std::unique_ptr<cairo_surface_t, CairoDeleter>;
using FontDescription = std::unique_ptr<PangoFontDescription, CairoDeleter>;
using FontMap = std::unique_ptr<PangoFontMap, GObjectDeleter>;
using PangoContextPtr = std::unique_ptr<PangoContext, GObjectDeleter>;
using Layout = std::unique_ptr<PangoLayout, GObjectDeleter>;

}  // namespace wangge::print::detail
