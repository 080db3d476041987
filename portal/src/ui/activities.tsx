// The activities of a record (a transcript, a form, a submission) as a table;
// a reviewer's copy has a first column to pick activities to reject.
import { day } from "./format";
import { TableScroll } from "./states";
import { activityStatus, activityTypes, word } from "./words";
import type { Schemas } from "../api/client";

type Activity = Schemas["Activity"];

export interface Picking {
  label: string;
  picked: string[];
  onPick: (activityId: string, on: boolean) => void;
}

export function ActivityTable({ activities, caption, picking }: { activities: Activity[]; caption: string; picking?: Picking }) {
  return (
    <TableScroll label={caption}>
      <table>
        <caption class="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            {picking && <th scope="col">{picking.label}?</th>}
            <th scope="col">Date</th>
            <th scope="col">Activity</th>
            <th scope="col" class="amount">CECs</th>
            <th scope="col">Status</th>
          </tr>
        </thead>
        <tbody>
          {activities.map((a) => (
            <tr key={a.activity_id}>
              {picking && (
                <td>
                  <input type="checkbox" aria-label={`${picking.label} ${a.title}`} checked={picking.picked.includes(a.activity_id)}
                    onChange={(e) => picking.onPick(a.activity_id, (e.currentTarget as HTMLInputElement).checked)} />
                </td>
              )}
              <td class="nowrap">{day(a.completed_on, "short")}</td>
              <td>
                {a.title}
                <br />
                <small class="hint">
                  {word(activityTypes, a.type)} · {a.provider}
                  {a.in_network ? " · in-network" : ""}
                </small>
              </td>
              <td class="amount">{a.cec}</td>
              <td>
                {word(activityStatus, a.status)}
                {a.note && (
                  <>
                    <br />
                    <small class="hint">{a.note}</small>
                  </>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
}
