import Foundation
@testable import SweepEngine
import XCTest

/// NVML's C structures as a driver lays them out on x86_64 Linux, built byte by byte: little-endian,
/// each field at its natural alignment, padding filled with junk (C leaves it unset).
private struct CRecord {
    var bytes: [UInt8] = []

    mutating func u32(_ value: UInt32) {
        bytes += (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
    }

    mutating func u64(_ value: UInt64) {
        while bytes.count % 8 != 0 { bytes.append(0xEE) }
        bytes += (0..<8).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
    }

    /// Pads to the struct's alignment (8: each of these holds a u64).
    mutating func end() {
        while bytes.count % 8 != 0 { bytes.append(0xEE) }
    }
}

/// Issue (GPU use per trial): NVML's records decode, CUDA_VISIBLE_DEVICES maps onto NVML's devices,
/// and a machine without a driver says "no GPU".
final class NVMLTests: XCTestCase {
    private let notAvailable = UInt64.max  // NVML_VALUE_NOT_AVAILABLE

    func testProcessInfoV2EntriesDecodeWithUnavailableMemoryAsNil() {
        var record = CRecord()
        record.u32(4242); record.u64(0x0000_0001_4000_0000); record.u32(0xFFFF_FFFF); record.u32(0xFFFF_FFFF); record.end()
        record.u32(4_194_303); record.u64(notAvailable); record.u32(1); record.u32(0); record.end()
        XCTAssertEqual(record.bytes.count, 2 * NVMLRecords.processInfoV2Size)

        let entries = NVMLRecords.processInfos(record.bytes, count: 2, stride: NVMLRecords.processInfoV2Size)
        XCTAssertEqual(entries.map(\.pid), [4242, 4_194_303])
        XCTAssertEqual(entries.map(\.memory), [5_368_709_120, nil])
    }

    func testProcessInfoV1EntriesAreSixteenBytesApart() {
        var record = CRecord()
        record.u32(17); record.u64(0x0102_0304_0506_0708); record.end()
        record.u32(18); record.u64(0); record.end()
        record.u32(19); record.u64(notAvailable); record.end()
        XCTAssertEqual(record.bytes.count, 3 * NVMLRecords.processInfoV1Size)

        let entries = NVMLRecords.processInfos(record.bytes, count: 3, stride: NVMLRecords.processInfoV1Size)
        XCTAssertEqual(entries.map(\.pid), [17, 18, 19])
        XCTAssertEqual(entries.map(\.memory), [0x0102_0304_0506_0708, 0, nil])
        // Read with the v2 stride, the second entry would start inside the first's neighbour.
        XCTAssertNotEqual(NVMLRecords.processInfos(record.bytes, count: 2, stride: NVMLRecords.processInfoV2Size).map(\.pid), [17, 18])
    }

    func testProcessInfoWithProtectedMemoryFieldIsThirtyTwoBytesApart() {
        var record = CRecord()
        for (pid, memory) in [(UInt32(900), UInt64(2048)), (901, 4096)] {
            record.u32(pid); record.u64(memory); record.u32(0xFFFF_FFFF); record.u32(0xFFFF_FFFF); record.u64(77); record.end()
        }
        XCTAssertEqual(record.bytes.count, 2 * NVMLRecords.processInfoV3CCSize)
        let entries = NVMLRecords.processInfos(record.bytes, count: 2, stride: NVMLRecords.processInfoV3CCSize)
        XCTAssertEqual(entries.map(\.pid), [900, 901])
        XCTAssertEqual(entries.map(\.memory), [2048, 4096])
    }

    func testEntriesTheBytesDoNotHoldWholeAreLeftOut() {
        var record = CRecord()
        record.u32(1); record.u64(10); record.u32(0); record.u32(0); record.end()
        record.u32(2); record.u64(20)  // cut short: no instance ids
        XCTAssertEqual(NVMLRecords.processInfos(record.bytes, count: 2, stride: NVMLRecords.processInfoV2Size).map(\.pid), [1])
        XCTAssertEqual(NVMLRecords.processInfos(record.bytes, count: 0, stride: NVMLRecords.processInfoV2Size).count, 0)
        XCTAssertEqual(NVMLRecords.utilizationSamples(Array(record.bytes.prefix(31)), count: 1).count, 0)
    }

    func testUtilizationSamplesDecode() {
        var record = CRecord()
        record.u32(4145); record.u64(1_653_167_163_586_231); record.u32(99); record.u32(12); record.u32(0); record.u32(0); record.end()
        record.u32(4146); record.u64(1_653_167_151_828_549); record.u32(3); record.u32(1); record.u32(5); record.u32(6); record.end()
        XCTAssertEqual(record.bytes.count, 2 * NVMLRecords.utilizationSampleSize)

        let samples = NVMLRecords.utilizationSamples(record.bytes, count: 2)
        XCTAssertEqual(samples.map(\.pid), [4145, 4146])
        XCTAssertEqual(samples.map(\.timeStamp), [1_653_167_163_586_231, 1_653_167_151_828_549])
        XCTAssertEqual(samples.map(\.sm), [99, 3])
        XCTAssertEqual(samples.map(\.mem), [12, 1])
    }

    private let devices: [(index: Int, uuid: String)] = [
        (0, "GPU-3f2a1b4c-1111-2222-3333-444455556666"),
        (1, "GPU-3f2b9999-aaaa-bbbb-cccc-ddddeeeeffff"),
        (2, "GPU-849d5a8d-0000-1111-2222-333344445555"),
    ]

    private func visible(_ value: String?) -> [Int] {
        NVMLRecords.visibleDevices(value, devices: devices)
    }

    func testVisibleDevicesByIndex() {
        XCTAssertEqual(visible(nil), [0, 1, 2])
        XCTAssertEqual(visible("2,0"), [2, 0])
        XCTAssertEqual(visible(" 1 , 2 "), [1, 2])
        XCTAssertEqual(visible("1gpu,0"), [1, 0])
        XCTAssertEqual(visible(""), [])
    }

    func testVisibleDevicesStopAtTheFirstInvalidEntry() {
        XCTAssertEqual(visible("0,-1,2"), [0])
        XCTAssertEqual(visible("-1"), [])
        XCTAssertEqual(visible("0,,2"), [0])
        XCTAssertEqual(visible("0,7,1"), [0])
        XCTAssertEqual(visible("1,GPU-849d"), [1])
        XCTAssertEqual(visible("GPU-849d,1"), [2])
        XCTAssertEqual(visible("GPU-3f2a,GPU-3f2"), [0], "an ambiguous prefix is invalid")
        XCTAssertEqual(visible("GPU-ffff"), [])
        XCTAssertEqual(visible("0,2,0"), [], "a device named twice hides all")
        XCTAssertEqual(visible("GPU-849d,849d5a"), [])
    }

    func testVisibleDevicesByUUIDAndPrefix() {
        XCTAssertEqual(visible("GPU-849d5a8d-0000-1111-2222-333344445555,GPU-3f2a1b4c-1111-2222-3333-444455556666"), [2, 0])
        XCTAssertEqual(visible("GPU-849d"), [2])
        XCTAssertEqual(visible("849d"), [2])
        XCTAssertEqual(visible("GPU-849D5A"), [2])
        XCTAssertEqual(visible("GPU-3f2b, GPU-3f2a"), [1, 0])
    }

    func testVisibleDevicesWithMIG() {
        XCTAssertEqual(visible("MIG-d184f67c-c95f-5ef2-a935-195bd0094fbd"), [], "a MIG UUID does not name its GPU")
        XCTAssertEqual(visible("MIG-GPU-849d5a8d-0000-1111-2222-333344445555/13/0"), [2])
        XCTAssertEqual(visible("MIG-GPU-849d5a8d/1/0,GPU-3f2a"), [2], "CUDA shows one MIG device and nothing else")
        XCTAssertEqual(visible("0,MIG-GPU-849d5a8d/1/0"), [0])
    }

    func testWithoutADriverTheLibrarySaysNoGPU() {
        let driver = FileManager.default.fileExists(atPath: "/proc/driver/nvidia")
        switch NVML.load(library: "libnvidia-ml.so.1") {
        case .failure(let why):
            XCTAssertFalse(driver, "a driver is loaded, yet NVML failed: \(why)")
            XCTAssertTrue(why.description.hasPrefix("no GPU"), why.description)
        case .success(let nvml):
            XCTAssertTrue(driver, "NVML loaded where /proc/driver/nvidia is missing")
            let reading = nvml.read()
            XCTAssertFalse(reading.devices.isEmpty)
            for device in reading.devices {
                XCTAssertTrue(device.uuid?.hasPrefix("GPU-") == true, device.uuid ?? "no uuid")
                XCTAssertGreaterThan(device.memoryTotal, 0)
            }
        }
    }

    func testALibraryThatIsMissingOrNotNVMLIsNamed() {
        guard case .failure(let missing) = NVML.load(library: "/nonexistent/libx.so") else {
            return XCTFail("loaded a library that does not exist")
        }
        XCTAssertTrue(missing.description.hasPrefix("no GPU"), missing.description)
        XCTAssertTrue(missing.description.contains("/nonexistent/libx.so"), missing.description)

        guard case .failure(let other) = NVML.load(library: "libc.so.6") else {
            return XCTFail("took the C library for NVML")
        }
        XCTAssertTrue(other.description.hasPrefix("no GPU: libc.so.6 is not NVML"), other.description)
    }
}
