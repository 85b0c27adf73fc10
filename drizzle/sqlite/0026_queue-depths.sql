-- Hand-written (drizzle-kit generate --custom): queue_depths kept by triggers on queue_jobs, so a queue's depths
-- per state are read without counting every row. Regenerating migrations from schema.ts does not recreate this
-- file; keep it after the migration that creates queue_depths. Each trigger runs inside the writing statement's
-- transaction: an insert adds one, a delete takes one away, a change of queue, state or failed-or-not moves one.
INSERT INTO `queue_depths` (`queue`, `state`, `failed`, `jobs`) SELECT `queue`, `state`, `failures` > 0, count(*) FROM `queue_jobs` GROUP BY 1, 2, 3;
--> statement-breakpoint
CREATE TRIGGER `queue_depths_insert` AFTER INSERT ON `queue_jobs` BEGIN
  INSERT INTO `queue_depths` (`queue`, `state`, `failed`, `jobs`) VALUES (NEW.`queue`, NEW.`state`, NEW.`failures` > 0, 1)
    ON CONFLICT (`queue`, `state`, `failed`) DO UPDATE SET `jobs` = `jobs` + 1;
END;
--> statement-breakpoint
CREATE TRIGGER `queue_depths_delete` AFTER DELETE ON `queue_jobs` BEGIN
  UPDATE `queue_depths` SET `jobs` = `jobs` - 1 WHERE `queue` = OLD.`queue` AND `state` = OLD.`state` AND `failed` = (OLD.`failures` > 0);
END;
--> statement-breakpoint
CREATE TRIGGER `queue_depths_update` AFTER UPDATE OF `queue`, `state`, `failures` ON `queue_jobs`
  WHEN OLD.`queue` IS NOT NEW.`queue` OR OLD.`state` IS NOT NEW.`state` OR (OLD.`failures` > 0) IS NOT (NEW.`failures` > 0) BEGIN
  UPDATE `queue_depths` SET `jobs` = `jobs` - 1 WHERE `queue` = OLD.`queue` AND `state` = OLD.`state` AND `failed` = (OLD.`failures` > 0);
  INSERT INTO `queue_depths` (`queue`, `state`, `failed`, `jobs`) VALUES (NEW.`queue`, NEW.`state`, NEW.`failures` > 0, 1)
    ON CONFLICT (`queue`, `state`, `failed`) DO UPDATE SET `jobs` = `jobs` + 1;
END;
