#include "support/images.hpp"

#include <atomic>
#include <cmath>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <vector>

#include <cpl_vsi.h>
#include <gdal_priv.h>

namespace wangge::support {

namespace {

/// "(39) (54) (36.5)": degrees, minutes, seconds as GDAL writes EXIF rationals.
std::string dms(double degrees) {
    degrees = std::abs(degrees);
    const double whole = std::floor(degrees);
    const double minutes = std::floor((degrees - whole) * 60);
    const double seconds = ((degrees - whole) * 60 - minutes) * 60;
    char text[64];
    std::snprintf(text, sizeof text, "(%.0f) (%.0f) (%.4f)", whole, minutes, seconds);
    return text;
}

std::string encode(const char* driver_name, int width, int height, std::optional<geo::Point> gps) {
    GDALAllRegister();
    GDALDriver* mem = GetGDALDriverManager()->GetDriverByName("MEM");
    GDALDriver* driver = GetGDALDriverManager()->GetDriverByName(driver_name);
    if (mem == nullptr || driver == nullptr) throw std::runtime_error("GDAL lacks the MEM or image driver");
    const std::unique_ptr<GDALDataset> source(mem->Create("", width, height, 3, GDT_Byte, nullptr));
    for (int band = 1; band <= 3; ++band) {
        std::vector<unsigned char> pixels(static_cast<std::size_t>(width) * height);
        for (std::size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<unsigned char>((i * 7 + band * 40) % 256);
        if (source->GetRasterBand(band)->RasterIO(GF_Write, 0, 0, width, height, pixels.data(), width, height,
                                                  GDT_Byte, 0, 0) != CE_None) {
            throw std::runtime_error("cannot fill the test image");
        }
    }
    if (gps) {
        source->SetMetadataItem("EXIF_GPSLatitudeRef", gps->y < 0 ? "S" : "N");
        source->SetMetadataItem("EXIF_GPSLatitude", dms(gps->y).c_str());
        source->SetMetadataItem("EXIF_GPSLongitudeRef", gps->x < 0 ? "W" : "E");
        source->SetMetadataItem("EXIF_GPSLongitude", dms(gps->x).c_str());
    }
    // A file of its own per call: tests encode from several threads at once.
    static std::atomic<unsigned> counter = 0;
    const std::string path =
        "/vsimem/wangge_test_image_" + std::to_string(counter++) + "." + std::string(driver_name);
    {
        const std::unique_ptr<GDALDataset> copy(
            driver->CreateCopy(path.c_str(), source.get(), FALSE, nullptr, nullptr, nullptr));
        if (!copy) throw std::runtime_error(std::string("GDAL cannot write a ") + driver_name);
    }
    vsi_l_offset size = 0;
    GByte* data = VSIGetMemFileBuffer(path.c_str(), &size, TRUE);
    std::string bytes(reinterpret_cast<const char*>(data), static_cast<std::size_t>(size));
    CPLFree(data);
    VSIUnlink((path + ".aux.xml").c_str());
    return bytes;
}

}  // namespace

std::string jpeg_bytes(int width, int height, std::optional<geo::Point> gps) {
    return encode("JPEG", width, height, gps);
}

std::string png_bytes(int width, int height) { return encode("PNG", width, height, std::nullopt); }

}  // namespace wangge::support
