# The corpus project's app: never run by the tests (`hypertop check` only names it).
import hydra


@hydra.main(config_path="../conf", config_name="main", version_base=None)
def main(cfg):
    return None


if __name__ == "__main__":
    main()
