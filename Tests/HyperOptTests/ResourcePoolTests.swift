import XCTest
@testable import HyperOpt

final class ResourcePoolTests: XCTestCase {
    func testTheDefaultSharesTheCoresAmongTheSlotsAtLeastOneEach() {
        XCTAssertEqual(ResourcePool.cpusPerTrial(configured: nil, cores: 16, slots: 9), 1, "joblib's 16 // 9")
        XCTAssertEqual(ResourcePool.cpusPerTrial(configured: nil, cores: 16, slots: 4), 4)
        XCTAssertEqual(ResourcePool.cpusPerTrial(configured: nil, cores: 2, slots: 8), 1)
        XCTAssertEqual(ResourcePool.cpusPerTrial(configured: 0, cores: 16, slots: 4), 0, "0 turns it off")
        XCTAssertEqual(ResourcePool.cpusPerTrial(configured: 32, cores: 16, slots: 1), 16, "never more than there are")
    }

    func testRunningTrialsGetDisjointCPUSetsAndAFreedSetIsReused() {
        var pool = ResourcePool(cpus: [0, 1, 2, 3, 4, 5], gpus: [], cpusPerTrial: 2, gpusPerTrial: 0)
        XCTAssertEqual(pool.take(trial: 0)?.cpus, [0, 1])
        XCTAssertEqual(pool.take(trial: 1)?.cpus, [2, 3])
        XCTAssertEqual(pool.take(trial: 2)?.cpus, [4, 5])
        pool.release(trial: 1)
        XCTAssertEqual(pool.take(trial: 3)?.cpus, [2, 3], "the set trial 1 gave back")
        // More trials than sets: the least used CPUs are shared.
        XCTAssertEqual(pool.take(trial: 4)?.cpus, [0, 1])
        XCTAssertEqual(pool.take(trial: 4)?.gpus, [], "no GPU asked for")
    }

    func testTheEnginesOwnCPUNumbersAreHandedOut() {
        var pool = ResourcePool(cpus: [4, 5, 9, 10], gpus: [], cpusPerTrial: 2, gpusPerTrial: 0)
        XCTAssertEqual(pool.take(trial: 0)?.cpus, [4, 5])
        XCTAssertEqual(pool.take(trial: 1)?.cpus, [9, 10])
        XCTAssertEqual(ResourcePool.rangeText([10, 9, 4, 5, 7]), "4-5,7,9-10")
    }

    func testWholeGPUsAreOneTrialEachAndASlotWaitsForOne() {
        var pool = ResourcePool(cpus: [0, 1], gpus: ["0", "1"], cpusPerTrial: 1, gpusPerTrial: 1)
        XCTAssertEqual(pool.gpuSlots, 2)
        XCTAssertEqual(pool.take(trial: 0)?.gpus, ["0"])
        XCTAssertEqual(pool.take(trial: 1)?.gpus, ["1"])
        XCTAssertFalse(pool.hasRoom, "no GPU is free")
        XCTAssertNil(pool.take(trial: 2))
        pool.release(trial: 0)
        XCTAssertEqual(pool.take(trial: 2)?.gpus, ["0"])
    }

    func testFractionsPairUpOnOneGPUAndLeaveTheOthersWhole() {
        var pool = ResourcePool(cpus: [0], gpus: ["0", "1"], cpusPerTrial: 1, gpusPerTrial: 0.5)
        XCTAssertEqual(pool.gpuSlots, 4)
        XCTAssertEqual(pool.take(trial: 0)?.gpus, ["0"])
        XCTAssertEqual(pool.take(trial: 1)?.gpus, ["0"], "the half-used GPU first")
        XCTAssertEqual(pool.take(trial: 2)?.gpus, ["1"])
        pool.release(trial: 0)
        XCTAssertEqual(pool.take(trial: 3)?.gpus, ["0"], "the tightest fit")
        XCTAssertEqual(pool.take(trial: 4)?.gpus, ["1"])
        XCTAssertNil(pool.take(trial: 5))
        var quarters = ResourcePool(cpus: [0], gpus: ["7"], cpusPerTrial: 0, gpusPerTrial: 0.25)
        for t in 0..<4 { XCTAssertEqual(quarters.take(trial: t)?.gpus, ["7"], "four quarters fill one GPU") }
        XCTAssertNil(quarters.take(trial: 4))
        XCTAssertEqual(quarters.take(trial: 0)?.cpus, nil)
    }

    func testTwoGPUsATrial() {
        var pool = ResourcePool(cpus: [0], gpus: ["a", "b", "c"], cpusPerTrial: 0, gpusPerTrial: 2)
        XCTAssertEqual(pool.gpuSlots, 1)
        XCTAssertEqual(pool.take(trial: 0)?.gpus, ["a", "b"])
        XCTAssertNil(pool.take(trial: 1), "one whole GPU is left, two are needed")
        pool.release(trial: 0)
        XCTAssertEqual(pool.take(trial: 1)?.gpus, ["a", "b"])
    }

    func testTheJobsEnvironmentKeepsTheUsersValues() {
        let placement = ResourcePool.Placement(cpus: [2, 3], gpus: ["1", "GPU-x"])
        let env = ResourcePool.environment(for: placement, threads: 2, base: ["OMP_NUM_THREADS": "8"])
        XCTAssertNil(env["OMP_NUM_THREADS"], "the user's 8 stays")
        XCTAssertEqual(env["MKL_NUM_THREADS"], "2")
        XCTAssertEqual(env["VECLIB_MAXIMUM_THREADS"], "2")
        XCTAssertEqual(env["CUDA_VISIBLE_DEVICES"], "1,GPU-x")
        XCTAssertEqual(env["CUDA_DEVICE_ORDER"], "PCI_BUS_ID", "the indices handed out are the driver's, in PCI bus order")
        XCTAssertNil(ResourcePool.environment(for: placement, threads: 2, base: ["CUDA_DEVICE_ORDER": "FASTEST_FIRST"])["CUDA_DEVICE_ORDER"],
                     "the user's order stays")
        XCTAssertEqual(ResourcePool.environment(for: .init(), threads: 0, base: [:]), [:], "nothing handed out, nothing set")
        XCTAssertEqual(placement.text, "CPUs 2-3, GPUs 1,GPU-x")
    }
}
